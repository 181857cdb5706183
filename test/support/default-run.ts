/**
 * How many cells the default run has. Kept in one place on purpose: a change that adds or drops
 * cells must say so here, so a suite that silently stops declaring cells fails the tests.
 *
 *   ftp-stateful    9 rule sets x 4 modes x (RETR, STOR, LIST, session, concurrent)   180
 *   ftp-port-2121   4 x 4 x 2                                                           32
 *   ftp-dnat        2 topologies x 2 rule sets x 4 x 2                                  32
 *   ftp-double-nat  2 x 2 x 4 x 2                                                       32
 *   ftp-security    8 x 2 bounce + 3 x 2 pinhole scope + 2 x 2 helper scope             26
 *   ftp-tls         9 rows x 4 x 2 (vsftpd) + 3 rows x 4 x RETR (proftpd, CCC)          84
 *   ftp-ipv6        7 x (EPRT, EPSV over IPv6 x 3 + PORT, PASV over IPv4 x RETR)        56
 *   ftp-clients     8 x 3 commands x (4 modes curl + 3 modes lftp)                     168
 *   ftp-servers     2 servers (pure-ftpd, proftpd) x 8 x 4 x 2                         128
 */
export const DEFAULT_RUN_CELLS = 738;
