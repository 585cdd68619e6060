// How the GitHub connector authenticates: a static token (a personal access token), or a GitHub App
// installation. An installation token lasts one hour, so the app's private key is what is configured
// and @octokit/auth-app mints installation tokens on first use, caches them and mints a fresh one
// before the cached one expires (it keeps a token for 59 minutes after minting it).
import { createPrivateKey } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import { TrackerError } from '../errors.ts';

export type GithubAppCredential = {
  /** The app's numeric ID (its settings page, "App ID"). */
  appId: number;
  /** The PEM private key downloaded from the app's settings (PKCS#1 or PKCS#8); `\n` escapes are accepted. */
  privateKey: string;
  /** The installation on the account that owns the repository (…/settings/installations/<id>). */
  installationId: number;
};

/** Exactly one of a token and an app. */
export type GithubCredential = { token: string; app?: never } | { app: GithubAppCredential; token?: never };

/** Octokit constructor options for a credential: `auth`, plus `authStrategy` for an app. */
export function octokitAuth(credential: GithubCredential): { auth: string } | { authStrategy: typeof createAppAuth; auth: GithubAppCredential } {
  if (!credential.app) return { auth: credential.token };
  const { appId, installationId } = credential.app;
  const privateKey = credential.app.privateKey.replace(/\\n/g, '\n');
  for (const [name, value] of [['appId', appId], ['installationId', installationId]] as const) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new TrackerError('github', 'rejected', `GitHub App ${name} must be a positive integer, got ${JSON.stringify(value)}`);
    }
  }
  // Checked now, so a mangled key stops the connector at start instead of failing every call as if
  // the network were down. Node's message names the decoder's complaint, never the key's content.
  try {
    createPrivateKey(privateKey);
  } catch (err) {
    throw new TrackerError('github', 'rejected', `GitHub App ${appId}: privateKey is not a PEM private key (${(err as Error).message})`);
  }
  return { authStrategy: createAppAuth, auth: { appId, privateKey, installationId } };
}
