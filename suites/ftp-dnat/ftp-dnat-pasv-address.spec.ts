// ftp-dnat on `dnat-pasv-address`: the server behind a port forward, announcing the public
// address (vsftpd pasv_address). The picture and the truth table are in dnat-cells.ts.
import { defineDnatCells } from './dnat-cells.ts';

defineDnatCells('dnat-pasv-address');
