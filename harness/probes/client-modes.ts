/**
 * Which modes each client can pin, per address family of the control connection: what the
 * clients refuse at run time (spawned-ftp-client.ts) and what `pinhole check` plans around.
 * IPv6 with curl and lftp is not verified on this harness yet: refused rather than guessed.
 * lftp sends EPRT only for an IPv6 data socket (lftp-client.ts), so over IPv4 it cannot pin EPRT.
 */
import { MODES, type ClientName, type Family, type Mode } from '../model.ts';

const PINNABLE: Readonly<Record<ClientName, Readonly<Record<Family, readonly Mode[]>>>> = {
  probe: { ipv4: MODES, ipv6: ['EPRT', 'EPSV'] },
  curl: { ipv4: ['PORT', 'EPRT', 'PASV', 'EPSV'], ipv6: [] },
  lftp: { ipv4: ['PORT', 'PASV', 'EPSV'], ipv6: [] },
};

export function pinnableModes(client: ClientName, family: Family): readonly Mode[] {
  return PINNABLE[client][family];
}

/** FTPS (explicit, implicit, CCC) is spoken by the pinned probe only. */
export const speaksTls = (client: ClientName): boolean => client === 'probe';
