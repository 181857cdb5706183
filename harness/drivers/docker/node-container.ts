/**
 * A topology node as a container, started through testcontainers. What testcontainers has no
 * API for (a static address on a user network, further networks with static addresses,
 * sysctls) is set through its create options and its containerCreated hook, with dockerode.
 */
import { GenericContainer } from 'testcontainers';
import type Docker from 'dockerode';

export interface Attachment {
  network: string;
  address: string;
}

export class NodeContainer extends GenericContainer {
  private extra: Attachment[] = [];

  constructor(
    image: string,
    private readonly docker: Docker,
  ) {
    super(image);
  }

  /** The first attachment is made at create time; the others before the container starts. */
  withAttachments(attachments: Attachment[]): this {
    const [first, ...rest] = attachments;
    if (first) {
      this.withNetworkMode(first.network);
      this.createOpts.NetworkingConfig = { EndpointsConfig: { [first.network]: { IPAMConfig: { IPv4Address: first.address } } } };
    }
    this.extra = rest;
    return this;
  }

  withSysctls(sysctls: Record<string, string>): this {
    this.hostConfig.Sysctls = { ...this.hostConfig.Sysctls, ...sysctls };
    return this;
  }

  /** An init process reaps what `docker exec` leaves orphaned (killed vsftpd sessions). */
  withInit(): this {
    this.hostConfig.Init = true;
    return this;
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    for (const a of this.extra) {
      await this.docker.getNetwork(a.network).connect({ Container: containerId, EndpointConfig: { IPAMConfig: { IPv4Address: a.address } } });
    }
  }
}
