// Which Host names this service answers to, and which Origin is "our own" (security review F4, DNS
// rebinding). A page on http://rebind.attacker.example:3000 whose name is re-pointed at 127.0.0.1 reaches
// us over loopback, but its browser still sends `Host: rebind.attacker.example:3000` and that Origin. So:
//   - where loopback is the credential (/api without API_TOKEN, /metrics without METRICS_TOKEN) the Host
//     must be a loopback name or address, PUBLIC_URL's host or one of ALLOWED_HOSTS;
//   - "our own origin" is PUBLIC_URL's, or an Origin whose host equals the request's Host while that Host
//     is one of the allowed names. The Host alone never makes an origin ours.
// Parsing is strict and fails closed: anything but `name[:port]` or `[ipv6][:port]` is refused, and IPv4
// only in dotted form (a browser always sends that one, whatever the page's URL spelled).
import type { Request } from 'express';

export type HostPolicy = {
  /** True when the Host header names this service (see above); false for a missing or malformed one. */
  hostAllowed(host: string | undefined): boolean;
  /** True when `origin` (an Origin header value) is this service's own origin for this request. */
  ownOrigin(req: Request, origin: string): boolean;
};

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x: the addresses a client on this machine's loopback has. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.toLowerCase().replace(/^::ffff:/, '');
  return address === '::1' || /^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(v4);
}

const HOST = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.?))(?::(\d{1,5}))?$/i;

/** The host name of a Host header value (lower case, no trailing dot, IPv6 without brackets), or null. */
export function hostNameOf(host: string | undefined): string | null {
  const m = HOST.exec(host ?? '');
  if (!m) return null;
  if (m[3] !== undefined && Number(m[3]) > 65535) return null;
  return m[1] !== undefined ? m[1].toLowerCase() : m[2]!.toLowerCase().replace(/\.$/, '');
}

/** localhost and *.localhost (RFC 6761: they never leave the machine), 127.0.0.0/8, ::1 and ::ffff:127.x. */
export function isLoopbackName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost') || isLoopback(name);
}

/** An ALLOWED_HOSTS entry as config.ts accepts it: a host name, a dotted IPv4 address or a [bracketed] IPv6 one. */
export function isHostName(entry: string): boolean {
  return hostNameOf(entry) !== null && !entry.includes(':', entry.lastIndexOf(']') + 1);
}

export function hostPolicy(o: { publicUrl?: string | undefined; allowedHosts?: readonly string[] | undefined }): HostPolicy {
  const publicOrigin = o.publicUrl ? new URL(o.publicUrl).origin : undefined;
  const named = new Set<string>();
  if (o.publicUrl) named.add(hostNameOf(new URL(o.publicUrl).host)!);
  for (const h of o.allowedHosts ?? []) {
    const name = hostNameOf(h);
    if (name !== null) named.add(name);
  }
  const hostAllowed = (host: string | undefined) => {
    const name = hostNameOf(host);
    return name !== null && (isLoopbackName(name) || named.has(name));
  };
  return {
    hostAllowed,
    ownOrigin(req, origin) {
      if (origin === publicOrigin) return true;
      const host = req.get('host');
      if (!hostAllowed(host)) return false;
      let originHost: string;
      try {
        originHost = new URL(origin).host; // "null" and other non-URLs throw: not ours
      } catch {
        return false;
      }
      // Same host and port as the request (schemes may differ behind a TLS proxy). Ports matter: cookies are
      // not kept apart by port, so a page on localhost:5173 must not pass as localhost:3000.
      return /^https?:\/\//i.test(origin) && originHost === host!.toLowerCase();
    },
  };
}
