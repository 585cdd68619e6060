// The fake GitHub's GitHub App: one app with an RSA key pair, its installations (each on some
// repositories), the JWTs it signs and the installation tokens minted with them. GitHub's rules
// (docs: "Generating a JSON Web Token (JWT) for a GitHub App", "Generating an installation access
// token"): the JWT is RS256, `iss` is the app's ID (a number or a string) or its client ID, `exp` is
// in the future and at most 10 minutes ahead, `iat` not in the future; an installation token lasts
// one hour and reaches only its installation's repositories. HTTP shapes live in server.ts.
import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { httpError } from '../kit.ts';

export type FakeInstallation = {
  id: number;
  /** Full names (owner/name, compared case-insensitively), or 'all': every repository of the account. */
  repositories: readonly string[] | 'all';
};

export type FakeInstallationToken = {
  token: string;
  installationId: number;
  /** Full names the token reaches, or 'all'. */
  repositories: readonly string[] | 'all';
  /** When it was minted and when it stops working (ms; GitHub's whole seconds). */
  mintedAt: number;
  expiresAt: number;
};

/** GitHub's messages for a refused JWT (all 401). */
export const JWT_MESSAGES = {
  undecodable: 'A JSON web token could not be decoded',
  expired: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
  tooLong: "'Expiration time' claim ('exp') is too far in the future",
  issuedAt: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
} as const;

/** How far ahead of GitHub's clock an `iat` may be before GitHub refuses it (GitHub allows for some drift). */
const IAT_LEEWAY_S = 60;
const MAX_JWT_LIFETIME_S = 10 * 60;

export class FakeGithubApp {
  readonly id: number;
  readonly clientId: string;
  readonly installations = new Map<number, FakeInstallation>();
  /** Every successful mint, oldest first. */
  readonly mints: FakeInstallationToken[] = [];
  /** How long a new installation token lasts (GitHub: one hour). */
  tokenTtlMs: number;
  private keys: { privateKey: string; publicKey: KeyObject } | undefined;
  private readonly now: () => number;

  constructor(opts: { id: number; installations: readonly FakeInstallation[]; tokenTtlMs: number; now: () => number }) {
    this.id = opts.id;
    this.clientId = `Iv23li${opts.id.toString(16).padStart(14, '0')}`;
    for (const i of opts.installations) this.installations.set(i.id, i);
    this.tokenTtlMs = opts.tokenTtlMs;
    this.now = opts.now;
  }

  /**
   * The private key PEM as GitHub hands it out (PKCS#1, "BEGIN RSA PRIVATE KEY"). Made on first use:
   * an RSA key takes tens of milliseconds and most fakes never need one.
   */
  get privateKey(): string {
    return this.keyPair().privateKey;
  }

  /** Checks `Authorization: Bearer <JWT>`; throws GitHub's 401 when GitHub would refuse it. */
  verifyJwt(jwt: string | undefined): void {
    const refuse = (message: string) => httpError(401, message);
    const parts = (jwt ?? '').split('.');
    if (parts.length !== 3) throw refuse(JWT_MESSAGES.undecodable);
    const [head, body, signature] = parts as [string, string, string];
    const header = decodeJson(head);
    const claims = decodeJson(body);
    if (!header || !claims || header['alg'] !== 'RS256') throw refuse(JWT_MESSAGES.undecodable);
    const iss = claims['iss'];
    if (String(iss) !== String(this.id) && iss !== this.clientId) throw refuse(JWT_MESSAGES.undecodable);
    const signed = verify('sha256', Buffer.from(`${head}.${body}`), this.keyPair().publicKey, Buffer.from(signature, 'base64url'));
    if (!signed) throw refuse(JWT_MESSAGES.undecodable);
    const nowS = Math.floor(this.now() / 1000);
    const { iat, exp } = claims;
    if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > nowS + IAT_LEEWAY_S) throw refuse(JWT_MESSAGES.issuedAt);
    if (typeof exp !== 'number' || exp <= nowS) throw refuse(JWT_MESSAGES.expired);
    if (exp > nowS + MAX_JWT_LIFETIME_S) throw refuse(JWT_MESSAGES.tooLong);
  }

  /** POST /app/installations/{id}/access_tokens, its JWT already checked. `repositories` narrows the token. */
  mint(installationId: number, repositories?: unknown): FakeInstallationToken {
    const installation = this.installations.get(installationId);
    if (!installation) throw httpError(404, 'Not Found');
    let reach = installation.repositories;
    if (repositories !== undefined) {
      if (!Array.isArray(repositories) || !repositories.every((r): r is string => typeof r === 'string')) {
        throw httpError(422, 'Invalid request.\n\nFor \'properties/repositories\', the value is not an array of strings.');
      }
      const owner = reach === 'all' ? undefined : reach[0]?.split('/')[0];
      const names = repositories.map((r) => (r.includes('/') || !owner ? r : `${owner}/${r}`));
      const allowed = reach;
      if (allowed !== 'all' && names.some((n) => !allowed.some((r) => sameName(r, n)))) {
        throw httpError(422, 'There is at least one repository that does not exist or is not accessible to the parent installation.');
      }
      reach = names;
    }
    const mintedAt = this.now();
    const token: FakeInstallationToken = {
      token: `ghs_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x')}`,
      installationId,
      repositories: reach,
      mintedAt,
      expiresAt: Math.floor((mintedAt + this.tokenTtlMs) / 1000) * 1000,
    };
    this.mints.push(token);
    return token;
  }

  /** The installation token this is, while it lasts. */
  tokenOf(value: string | undefined): FakeInstallationToken | undefined {
    if (!value?.startsWith('ghs_')) return undefined;
    const found = this.mints.find((t) => t.token === value);
    return found && this.now() < found.expiresAt ? found : undefined;
  }

  /** Whether a token reaches a repository (full name). */
  reaches(token: FakeInstallationToken, fullName: string): boolean {
    return token.repositories === 'all' || token.repositories.some((r) => sameName(r, fullName));
  }

  private keyPair(): { privateKey: string; publicKey: KeyObject } {
    if (!this.keys) {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      this.keys = { privateKey: pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), publicKey: pair.publicKey };
    }
    return this.keys;
  }
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
