// Which addresses an outgoing webhook may reach (pure). A hook URL is given by a user, so a request to it
// must not reach this machine, its private network or a cloud metadata service: only public unicast
// addresses pass, judged on the resolved address (a name may point anywhere, and may change between a check
// and the request: the request connects to the address that was checked).
import ipaddr from 'ipaddr.js';

/** ipaddr.js ranges that are the public internet; everything else (loopback, private, linkLocal incl. 169.254.169.254, uniqueLocal incl. fd00:ec2::254, carrierGradeNat, reserved, multicast…) is refused. */
const PUBLIC = new Set(['unicast']);

/** Whether an IP address is a public unicast address; an IPv4-mapped IPv6 address is judged as its IPv4. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return PUBLIC.has(ip.range());
}
