// ftp-double-nat on `double-nat-no-alg` (home gateway without FTP helper). Picture and truth: double-nat-cells.ts.
import { defineDoubleNatCells } from './double-nat-cells.ts';

defineDoubleNatCells('double-nat-no-alg');
