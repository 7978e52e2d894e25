/**
 * How an Application Gateway (v2) picks the listener for a request, as a pure function of its
 * configuration. Rules are evaluated by `priority`, lowest number first (1–20000, required from
 * API 2021-08-01), and the first rule whose listener matches the request's frontend IP, port and
 * host wins. A listener matches a host when one of its host names does — exactly, or through the
 * wildcards `*` (any run of characters) and `?` (one character) — and a basic listener (no host
 * name) matches every host. Listeners no rule points at serve nothing.
 * Docs: "Application Gateway multiple site hosting" (wildcard host names, rule priority) and
 * "Application Gateway listener configuration" (basic and multi-site listeners; give wildcard
 * and basic listeners larger priority numbers than site-specific ones).
 */
import type { ApplicationGateway, ApplicationGatewayHttpListener, ApplicationGatewayRequestRoutingRule } from '@azure/arm-network';

export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** The listener's host names, lower-case; empty for a basic listener. */
export function listenerHostnames(listener: ApplicationGatewayHttpListener): string[] {
  return [listener.hostName, ...(listener.hostNames ?? [])].filter((h): h is string => !!h).map((h) => h.toLowerCase());
}

/** Host name patterns: `*` any run of characters (dots included: the stricter reading), `?` one character. */
export function hostPatternMatches(pattern: string, host: string): boolean {
  const source = pattern
    .toLowerCase()
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(host.toLowerCase());
}

export function listenerMatchesHost(listener: ApplicationGatewayHttpListener, host: string): boolean {
  const names = listenerHostnames(listener);
  return names.length === 0 || names.some((pattern) => hostPatternMatches(pattern, host));
}

/** The port number a listener's frontend port resolves to, if the gateway declares it. */
export function listenerPort(gateway: ApplicationGateway, listener: ApplicationGatewayHttpListener): number | undefined {
  return gateway.frontendPorts?.find((p) => sameId(p.id, listener.frontendPort?.id))?.port;
}

/** Where our listener receives traffic: a port number and frontend IP configuration, and its own name. */
export interface Frontend {
  readonly port: number;
  readonly frontendIpId: string | undefined;
  readonly listenerName: string;
}

/** Same frontend: same port number, and the same frontend IP configuration when both name one. */
function onFrontend(gateway: ApplicationGateway, listener: ApplicationGatewayHttpListener, frontend: Frontend): boolean {
  if (listenerPort(gateway, listener) !== frontend.port) return false;
  const ip = listener.frontendIPConfiguration?.id;
  return ip === undefined || frontend.frontendIpId === undefined || sameId(ip, frontend.frontendIpId);
}

export interface Shadow {
  readonly listener: string;
  readonly rule: string;
  /** Undefined when the rule has no priority (only possible before API 2021-08-01): it cannot be ordered, so it counts as winning. */
  readonly priority: number | undefined;
  readonly reason: 'basic' | 'wildcard' | 'same host';
}

/**
 * The listener that would serve `host` on `frontend` instead of ours (whose rule has
 * `ourPriority`), or undefined when ours wins. Our listener need not be in the gateway yet.
 */
export function shadowingListener(gateway: ApplicationGateway, host: string, frontend: Frontend, ourPriority: number): Shadow | undefined {
  const listeners = gateway.httpListeners ?? [];
  const rules = [...(gateway.requestRoutingRules ?? [])].sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
  for (const rule of rules) {
    if (rule.priority !== undefined && rule.priority >= ourPriority) break;
    const listener = listeners.find(
      (l) =>
        sameId(l.id, rule.httpListener?.id) ||
        (l.name !== undefined && rule.httpListener?.id?.toLowerCase().endsWith(`/httplisteners/${l.name.toLowerCase()}`)),
    );
    if (!listener || listener.name === frontend.listenerName || !onFrontend(gateway, listener, frontend) || !listenerMatchesHost(listener, host)) continue;
    const names = listenerHostnames(listener);
    const reason = names.length === 0 ? 'basic' : names.includes(host.toLowerCase()) ? 'same host' : 'wildcard';
    return { listener: listener.name ?? '(unnamed)', rule: rule.name ?? '(unnamed)', priority: rule.priority, reason };
  }
  return undefined;
}

/** The rule that routes `listener`, if any. */
export function ruleFor(gateway: ApplicationGateway, listenerId: string): ApplicationGatewayRequestRoutingRule | undefined {
  return gateway.requestRoutingRules?.find((r) => sameId(r.httpListener?.id, listenerId));
}

/** A sentence naming the listener that wins and the fix. */
export function describeShadow(host: string, shadow: Shadow, ourPriority: number): string {
  const kind =
    shadow.reason === 'basic'
      ? 'a basic listener (no host name)'
      : shadow.reason === 'wildcard'
        ? 'a wildcard listener'
        : 'another listener for the same host name';
  const order = shadow.priority === undefined ? 'a rule without a priority' : `rule "${shadow.rule}" at priority ${shadow.priority}`;
  return `${host} would be served by "${shadow.listener}", ${kind} routed by ${order}, which the gateway evaluates before this app's rule (priority ${ourPriority}). Give "${shadow.rule}" a priority number above ${ourPriority} (wildcard and basic listeners belong after site-specific ones), then try again.`;
}
