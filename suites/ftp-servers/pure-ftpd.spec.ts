// ftp-servers with pure-ftpd on `routed`: the ftp-stateful rule sets, RETR/STOR in every
// mode. The picture, the truth table and how pure-ftpd differs from vsftpd: server-cells.ts.
import { defineServerCells } from './server-cells.ts';

defineServerCells('pure-ftpd');
