// ftp-double-nat on `double-nat` (home gateway with FTP helper). Picture and truth: double-nat-cells.ts.
import { defineDoubleNatCells } from './double-nat-cells.ts';

defineDoubleNatCells('double-nat');
