// ftp-dnat on `nat-ftp-ipv6`: the nftables project's packetpath/nat_ftp test case.
// The picture and the truth table are in dnat-cells.ts.
import { defineNatFtpIpv6Cells } from './dnat-cells.ts';

defineNatFtpIpv6Cells();
