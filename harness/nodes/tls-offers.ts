/**
 * Which FTPS variants each server software offers in a lab, as its module sets up: vsftpd
 * explicit AUTH TLS and implicit TLS on its own port (vsftpd-server.ts), proftpd explicit and
 * CCC but no implicit (proftpd-server.ts: mod_tls offers implicit only per virtual host),
 * pure-ftpd none (pure-ftpd-server.ts starts it without TLS). `pinhole check` plans its TLS
 * cells with this; a cell asking for more fails in probe-job.ts with the server named.
 */
import type { ServerSoftware, TlsMode } from '../model.ts';

const OFFERED: Readonly<Record<ServerSoftware, readonly TlsMode[]>> = {
  vsftpd: ['none', 'explicit', 'implicit'],
  proftpd: ['none', 'explicit', 'ccc'],
  'pure-ftpd': ['none'],
};

export const offersTls = (server: ServerSoftware, tls: TlsMode): boolean => OFFERED[server].includes(tls);
