// ftp-dnat on `dnat-2121`: the server's port 21 published on the firewall's port 2121.
// The picture and the truth table are in dnat-cells.ts.
import { defineDnatCells } from './dnat-cells.ts';

defineDnatCells('dnat-2121');
