import { describe, expect, it } from 'vitest';
import { DeploymentHealth } from './deployment-health.js';

function setup() {
  let now = 1_000_000;
  const health = new DeploymentHealth({ fails: 3, cooldownMs: 30_000, windowMs: 60_000, now: () => now });
  return { health, advance: (ms: number) => (now += ms), now: () => now };
}

describe('DeploymentHealth', () => {
  it('opens after N failures within the window', () => {
    const { health } = setup();
    health.onFailure('m/a/k', 'HTTP 500');
    health.onFailure('m/a/k', 'HTTP 500');
    expect(health.canTry('m/a/k', 'm/a')).toBe(true);
    health.onFailure('m/a/k', 'HTTP 500');
    expect(health.canTry('m/a/k', 'm/a')).toBe(false);
    expect(health.deploymentState('m/a/k')).toBe('cooling_down');
  });

  it('counts a request\'s repeat failures on a deployment once, but a failed probe still rests it again', () => {
    const { health, advance } = setup();
    health.onFailure('m/a/k', 'HTTP 502');
    health.onFailure('m/a/k', 'HTTP 502', false);
    health.onFailure('m/a/k', 'HTTP 502', false);
    expect(health.canTry('m/a/k', 'm/a')).toBe(true);
    health.onFailure('m/a/k', 'HTTP 502');
    health.onFailure('m/a/k', 'HTTP 502');
    expect(health.deploymentState('m/a/k')).toBe('cooling_down');
    advance(30_000);
    health.beginAttempt('m/a/k');
    expect(health.deploymentState('m/a/k')).toBe('probing');
    expect(health.onFailure('m/a/k', 'HTTP 502', false)).toBe(true);
    expect(health.deploymentState('m/a/k')).toBe('cooling_down');
  });

  it('never opens with a cooldown of 0 s (the breaker is off), but still rests a deployment a 429 asked to wait', () => {
    let now = 1_000_000;
    const health = new DeploymentHealth({ fails: 1, cooldownMs: 0, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 5; i++) expect(health.onFailure('m/a/k', 'HTTP 500')).toBe(false);
    health.beginAttempt('m/a/k');
    expect(health.canTry('m/a/k', 'm/a')).toBe(true);
    expect(health.deploymentState('m/a/k')).toBe('ok');
    health.coolFor('m/a/k', 5_000, 'HTTP 429');
    expect(health.canTry('m/a/k', 'm/a')).toBe(false);
    now += 5_000;
    expect(health.canTry('m/a/k', 'm/a')).toBe(true);
    // The request after the rest probes; its failure does not hold the deployment.
    health.beginAttempt('m/a/k');
    expect(health.canTry('m/a/k', 'm/a')).toBe(false);
    health.onFailure('m/a/k', 'HTTP 500');
    expect(health.canTry('m/a/k', 'm/a')).toBe(true);
  });

  it('a rest of 0 ms (a 429 without a retry time while the breaker is off, or `retry-after: 0`) neither rests the deployment nor leaves it to one probe at a time', () => {
    const now = 1_000_000;
    const health = new DeploymentHealth({ fails: 1, cooldownMs: 0, windowMs: 60_000, now: () => now });
    health.coolFor('m/a/k', 0, 'HTTP 429');
    expect(health.canTry('m/a/k', 'm/a')).toBe(true);
    health.beginAttempt('m/a/k');
    // Other requests are not held back behind this one as if it were a probe.
    expect(health.canTry('m/a/k', 'm/a')).toBe(true);
    expect(health.deploymentState('m/a/k')).toBe('ok');
    expect(health.availableIn('m/a/k', 'm/a')).toBe(0);

    // A probe answered so ends, and the deployment is open to all again.
    const { health: breaker, advance } = setup();
    for (let i = 0; i < 3; i++) breaker.onFailure('m/a/k', 'HTTP 500');
    advance(31_000);
    breaker.beginAttempt('m/a/k');
    expect(breaker.canTry('m/a/k', 'm/a')).toBe(false);
    breaker.coolFor('m/a/k', 0, 'HTTP 429');
    expect(breaker.canTry('m/a/k', 'm/a')).toBe(true);
    // A rest under way is not cut short by it.
    for (let i = 0; i < 3; i++) breaker.onFailure('m/a/j', 'HTTP 500');
    breaker.coolFor('m/a/j', 0, 'HTTP 429');
    expect(breaker.deploymentState('m/a/j')).toBe('cooling_down');
  });

  it('keeps a bounded number of breakers: failures for made-up model names do not pile up', () => {
    const { health, advance } = setup();
    for (let i = 0; i < 2_000; i++) health.onFailure(`m/a/junk-${i}`, 'HTTP 500');
    expect(health.snapshot(['m/a'])[0]!.deployments.length).toBeLessThanOrEqual(1_000);
    // Failures past their window are forgotten; a resting deployment survives the pruning.
    advance(61_000);
    expect(health.snapshot(['m/a'])[0]!.deployments).toEqual([]);
    for (let i = 0; i < 3; i++) health.onFailure('m/a/kimi', 'HTTP 500');
    for (let i = 0; i < 1_500; i++) health.onFailure(`m/a/other-${i}`, 'HTTP 500');
    expect(health.deploymentState('m/a/kimi')).toBe('cooling_down');
  });

  it('keeps a half-open breaker through a snapshot: its next request is still the one probe', () => {
    const { health, advance } = setup();
    for (let i = 0; i < 3; i++) health.onFailure('m/a/k', 'HTTP 500');
    advance(31_000);
    health.snapshot(['m/a']); // /health/ready, the dashboard
    health.beginAttempt('m/a/k');
    expect(health.canTry('m/a/k', 'm/a')).toBe(false);
    health.onFailure('m/a/k', 'HTTP 500');
    expect(health.deploymentState('m/a/k')).toBe('cooling_down');
  });

  it('forgets failures older than the window', () => {
    const { health, advance } = setup();
    health.onFailure('d', 'x');
    health.onFailure('d', 'x');
    advance(61_000);
    health.onFailure('d', 'x');
    expect(health.canTry('d', 'c')).toBe(true);
  });

  it('lets one probe through after the cooldown; success closes it', () => {
    const { health, advance } = setup();
    for (let i = 0; i < 3; i++) health.onFailure('d', 'x');
    advance(30_000);
    expect(health.canTry('d', 'c')).toBe(true);
    health.beginAttempt('d');
    expect(health.deploymentState('d')).toBe('probing');
    expect(health.canTry('d', 'c')).toBe(false);
    health.onSuccess('d', 'c');
    expect(health.deploymentState('d')).toBe('ok');
    expect(health.canTry('d', 'c')).toBe(true);
  });

  it('a probe that never reports stops holding the deployment after probeTimeoutMs', () => {
    let now = 1_000_000;
    const health = new DeploymentHealth({ fails: 1, cooldownMs: 1_000, windowMs: 60_000, probeTimeoutMs: 5_000, now: () => now });
    health.onFailure('d', 'x');
    now += 1_000;
    health.beginAttempt('d');
    expect(health.canTry('d', 'c')).toBe(false);
    expect(health.availableIn('d', 'c')).toBe(100);
    now += 4_999;
    expect(health.deploymentState('d')).toBe('probing');
    now += 1;
    expect(health.deploymentState('d')).toBe('ok');
    expect(health.canTry('d', 'c')).toBe(true);
    expect(health.availableIn('d', 'c')).toBe(0);
  });

  it('a failed probe opens it again for a full cooldown', () => {
    const { health, advance } = setup();
    for (let i = 0; i < 3; i++) health.onFailure('d', 'x');
    advance(30_000);
    health.beginAttempt('d');
    health.onFailure('d', 'x');
    expect(health.canTry('d', 'c')).toBe(false);
    advance(29_999);
    expect(health.canTry('d', 'c')).toBe(false);
    advance(1);
    expect(health.canTry('d', 'c')).toBe(true);
  });

  it('cools a deployment for the time a 429 asked', () => {
    const { health, advance } = setup();
    health.coolFor('d', 2_000, 'HTTP 429');
    expect(health.canTry('d', 'c')).toBe(false);
    advance(2_000);
    expect(health.canTry('d', 'c')).toBe(true);
  });

  it('disables a credential for every model until it works again', () => {
    const { health } = setup();
    health.disableCredential('moonshot/bad', 'Invalid Authentication');
    expect(health.canTry('moonshot/bad/kimi-k2.6', 'moonshot/bad')).toBe(false);
    expect(health.canTry('moonshot/bad/kimi-k3', 'moonshot/bad')).toBe(false);
    expect(health.snapshot(['moonshot/bad'])[0]).toMatchObject({ state: 'disabled', reason: 'Invalid Authentication' });
    health.enableCredential('moonshot/bad');
    expect(health.canTry('moonshot/bad/kimi-k3', 'moonshot/bad')).toBe(true);
  });

  it('a success of an attempt that began before the key was disabled, or the breaker opened, undoes neither', () => {
    const { health, advance } = setup();
    const stale = health.beginAttempt('m/a/k');
    advance(1_000);
    health.disableCredential('m/a', 'Invalid Authentication');
    for (let i = 0; i < 3; i++) health.onFailure('m/a/k', 'HTTP 500');
    advance(1_000);
    health.onSuccess('m/a/k', 'm/a', stale);
    expect(health.isDisabled('m/a')).toBe(true);
    expect(health.deploymentState('m/a/k')).toBe('cooling_down');
    // An attempt sent after them tells how things are now.
    health.onSuccess('m/a/k', 'm/a', health.beginAttempt('m/a/k'));
    expect(health.isDisabled('m/a')).toBe(false);
    expect(health.deploymentState('m/a/k')).toBe('ok');
    // Failures counted before a breaker opens are cleared by any success, as before.
    for (let i = 0; i < 2; i++) health.onFailure('m/a/j', 'HTTP 500');
    health.onSuccess('m/a/j', 'm/a', stale);
    health.onFailure('m/a/j', 'HTTP 500');
    expect(health.deploymentState('m/a/j')).toBe('ok');
  });

  it('reports cooling credentials in the snapshot', () => {
    const { health, now } = setup();
    for (let i = 0; i < 3; i++) health.onFailure('moonshot/a/kimi-k2.6', 'HTTP 500');
    const [status] = health.snapshot(['moonshot/a', 'moonshot/b']);
    expect(status).toMatchObject({ credential: 'moonshot/a', state: 'cooling_down', until: now() + 30_000 });
    expect(status!.deployments).toEqual([{ model: 'kimi-k2.6', state: 'cooling_down', until: now() + 30_000, last_error: 'HTTP 500' }]);
    expect(health.snapshot(['moonshot/b'])[0]!.state).toBe('ok');
  });
});
