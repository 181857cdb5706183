/** `pinhole images build`: the Docker node image, built only when its recipe changed. */
import { DockerDriver } from '../drivers/docker/docker-driver.ts';
import { ensureNodeImage } from '../drivers/docker/node-image.ts';
import { HostError } from '../errors.ts';

export async function imagesBuildCommand(opts: { baseImage?: string; force?: boolean }): Promise<number> {
  const driver = new DockerDriver();
  const engine = (await driver.preflight()).find((p) => p.what.startsWith('no Docker engine'));
  if (engine) throw new HostError(`${engine.what}: ${engine.fix}`);
  const t0 = Date.now();
  const tag = await ensureNodeImage(driver.docker, { ...opts, progress: (l) => process.stdout.write(`${l}\n`) });
  process.stdout.write(`${tag} ready (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  return 0;
}
