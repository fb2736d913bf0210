import type { Proxy, ProxyMessage } from './proxy.js';

/**
 * The two chains of a module. A swap replaces the arrays (copy on write), so
 * a message already inside a chain finishes with the chain it entered.
 */
export class ProxyChains {
  private outboundChain: readonly Proxy[] = [];
  private inboundChain: readonly Proxy[] = [];
  /** Bumped at every swap; shows in stats so a swap can be observed. */
  version = 0;

  get empty(): boolean {
    return this.outboundChain.length === 0 && this.inboundChain.length === 0;
  }

  get hasOutbound(): boolean {
    return this.outboundChain.length > 0;
  }

  get hasInbound(): boolean {
    return this.inboundChain.length > 0;
  }

  replace(outbound: readonly Proxy[], inbound: readonly Proxy[]): void {
    this.outboundChain = [...outbound];
    this.inboundChain = [...inbound];
    this.version++;
  }

  describe(): { version: number; outbound: string[]; inbound: string[] } {
    return { version: this.version, outbound: this.outboundChain.map((p) => p.name), inbound: this.inboundChain.map((p) => p.name) };
  }

  /** Runs the sending chain; false when a proxy dropped the message. */
  outbound(message: ProxyMessage): boolean {
    const chain = this.outboundChain;
    for (let i = 0; i < chain.length; i++) {
      const proxy = chain[i];
      if (proxy.outbound && !proxy.outbound(message)) return false;
    }
    return true;
  }

  /** Runs the receiving chain (in reverse order, so an outer seal is opened first). */
  inbound(message: ProxyMessage): boolean {
    const chain = this.inboundChain;
    for (let i = 0; i < chain.length; i++) {
      const proxy = chain[i];
      if (proxy.inbound && !proxy.inbound(message)) return false;
    }
    return true;
  }
}
