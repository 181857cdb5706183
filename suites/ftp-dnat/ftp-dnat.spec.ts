// ftp-dnat on `dnat`: the server behind a port forward, announcing its own (private) address.
// The picture and the truth table are in dnat-cells.ts.
import { defineDnatCells } from './dnat-cells.ts';

defineDnatCells('dnat');
