import { describe, expect, it } from 'vitest';
import { ariCertificateId, jitteredDailySchedule, renewalDecision } from '../../lib/renewalPolicy';

const DAY = 86_400_000;
const nb = new Date('2027-01-01T00:00:00Z');
const days = (n: number) => new Date(nb.getTime() + n * DAY);

describe('renewalDecision', () => {
  it('renews a 90-day certificate once a third of its lifetime remains (day 60)', () => {
    expect(renewalDecision({ notBefore: nb, notAfter: days(90), now: days(59), source: 'acme' }).due).toBe(false);
    const due = renewalDecision({ notBefore: nb, notAfter: days(90), now: days(60), source: 'acme' });
    expect(due.due).toBe(true);
    expect(due.renewAfter.toISOString()).toBe(days(60).toISOString());
  });

  it('scales with short lifetimes: a 6-day certificate is due after 4 days', () => {
    expect(renewalDecision({ notBefore: nb, notAfter: days(6), now: days(4), source: 'acme' }).due).toBe(true);
    expect(renewalDecision({ notBefore: nb, notAfter: days(6), now: days(3.9), source: 'acme' }).due).toBe(false);
  });

  it("follows the CA's ARI window when offered", () => {
    const ariWindow = { start: days(30), end: days(32) };
    expect(renewalDecision({ notBefore: nb, notAfter: days(90), now: days(31), source: 'acme', ariWindow }).due).toBe(true);
    expect(renewalDecision({ notBefore: nb, notAfter: days(90), now: days(29), source: 'acme', ariWindow }).due).toBe(false);
  });

  it('lets RenewBeforeExpiryDays override both', () => {
    const d = renewalDecision({
      notBefore: nb,
      notAfter: days(90),
      now: days(70),
      source: 'acme',
      beforeExpiryDays: 10,
      ariWindow: { start: days(30), end: days(32) },
    });
    expect(d.due).toBe(false);
    expect(d.renewAfter.toISOString()).toBe(days(80).toISOString());
  });

  it('never renews imported certificates but says when they near expiry', () => {
    const d = renewalDecision({ notBefore: nb, notAfter: days(90), now: days(80), source: 'imported' });
    expect(d.due).toBe(false);
    expect(d.reason).toMatch(/import a new one/);
  });
});

describe('helpers', () => {
  it('builds the RFC 9773 certificate id', () => {
    // RFC 9773 §4.1 example: keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4, serial 00:87:65:43:21
    const aki = Buffer.from('69885B6B87464041E1B37B847BA0AE2CDE01C8D4', 'hex');
    const serial = Buffer.from('0087654321', 'hex');
    expect(ariCertificateId(aki, serial)).toBe('aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE');
  });

  it('spreads installations over the night but keeps each one stable', () => {
    expect(jitteredDailySchedule('sub/gw')).toBe(jitteredDailySchedule('sub/gw'));
    const schedules = new Set(Array.from({ length: 50 }, (_, i) => jitteredDailySchedule(`sub-${i}/gw`)));
    expect(schedules.size).toBeGreaterThan(40);
    for (const s of schedules) expect(s).toMatch(/^\d{1,2} \d{1,2} [1-5] \* \* \*$/);
  });
});
