/**
 * A TLS certificate for an FTPS server, made at run time inside the server node (no key material
 * is committed or reused between runs). The probe verifies the chain against it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeHandle } from '../drivers/driver.ts';

export interface TlsCertificate {
  certFile: string;
  keyFile: string;
  /** The certificate in PEM: what clients trust. */
  pem: string;
}

export async function makeCertificate(node: NodeHandle): Promise<TlsCertificate> {
  const dir = join(node.workDir, 'tls');
  const certFile = join(dir, 'server.crt');
  const keyFile = join(dir, 'server.key');
  const argv = ['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${node.name}.pinhole.test`, '-keyout', keyFile, '-out', certFile];
  for (const step of [['mkdir', '-p', dir], argv]) {
    const r = await node.exec(step);
    if (r.code !== 0) throw new Error(`node ${node.name}: cannot make a TLS certificate: ${step.join(' ')}: ${r.stderr.trim()}`);
  }
  return { certFile, keyFile, pem: await readFile(certFile, 'utf8') };
}
