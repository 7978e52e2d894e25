/**
 * Retry-After (RFC 9110 §10.2.3) read strictly: delay-seconds or an HTTP-date in any of its three
 * forms (§5.6.7). No library in the tree exports this (undici's and send's parsers are internal).
 */
/** A CA's Retry-After beyond this is taken as this (a year): every rate limit lifts sooner, and timers and dates stay in range. */
export const MAX_RETRY_AFTER_SECONDS = 366 * 86_400;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
/** RFC 9110 §5.6.7: IMF-fixdate, which senders must use, and the two obsolete forms recipients must accept. */
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/** An HTTP-date (RFC 9110 §5.6.7) in ms since the epoch, or undefined when `text` is not one. */
export function parseHttpDate(text: string, nowMs: number): number | undefined {
  let fields: { day: number; month: number; year: number; hour: number; minute: number; second: number } | undefined;
  let m: RegExpExecArray | null;
  const at = (day: string, month: string, year: number, time: RegExpExecArray, from: number) => ({
    day: Number(day),
    month: MONTHS.indexOf(month),
    year,
    hour: Number(time[from]),
    minute: Number(time[from + 1]),
    second: Number(time[from + 2]),
  });
  if ((m = IMF_FIXDATE.exec(text))) fields = at(m[1]!, m[2]!, Number(m[3]), m, 4);
  else if ((m = ASCTIME_DATE.exec(text))) fields = at(m[2]!, m[1]!, Number(m[6]), m, 3);
  else if ((m = RFC850_DATE.exec(text))) {
    // A two-digit year is this century's, unless that puts the date more than 50 years ahead:
    // then it is the latest past year with those digits (§5.6.7).
    const century = Math.floor(new Date(nowMs).getUTCFullYear() / 100) * 100;
    fields = at(m[1]!, m[2]!, century + Number(m[3]), m, 4);
    const fiftyYearsAhead = new Date(nowMs);
    fiftyYearsAhead.setUTCFullYear(fiftyYearsAhead.getUTCFullYear() + 50);
    const ms = utc(fields);
    if (ms !== undefined && ms > fiftyYearsAhead.getTime()) fields.year -= 100;
  }
  return fields && utc(fields);
}

/**
 * The instant the fields name, or undefined when they name none (31 February, 25 o'clock). A leap
 * second (23:59:60, which HTTP-dates allow) is the instant after 23:59:59.
 */
function utc(f: { day: number; month: number; year: number; hour: number; minute: number; second: number }): number | undefined {
  const leap = f.second === 60 && f.hour === 23 && f.minute === 59;
  const second = leap ? 59 : f.second;
  const date = new Date(Date.UTC(f.year, f.month, f.day, f.hour, f.minute, second));
  date.setUTCFullYear(f.year); // Date.UTC reads years 0–99 as 1900–1999
  const exact =
    date.getUTCFullYear() === f.year &&
    date.getUTCMonth() === f.month &&
    date.getUTCDate() === f.day &&
    date.getUTCHours() === f.hour &&
    date.getUTCMinutes() === f.minute &&
    date.getUTCSeconds() === second;
  return exact ? date.getTime() + (leap ? 1000 : 0) : undefined;
}

/**
 * A Retry-After value (RFC 9110 §10.2.3: delay-seconds, digits only, or an HTTP-date) as whole
 * seconds from now, rounded up so that a wait never ends before it, at least 0 and at most
 * MAX_RETRY_AFTER_SECONDS. Only spaces and tabs around it are dropped (OWS); anything else (a
 * fraction, a sign, hex, free text, more than one value) is no Retry-After.
 */
export function headerSeconds(header: unknown, nowMs = Date.now()): number | undefined {
  if (typeof header !== 'string') return undefined;
  const text = header.replace(/^[ \t]+|[ \t]+$/g, '');
  let seconds: number | undefined;
  if (/^[0-9]+$/.test(text)) seconds = Number(text);
  else {
    const at = parseHttpDate(text, nowMs);
    if (at !== undefined) seconds = Math.max(0, Math.ceil((at - nowMs) / 1000));
  }
  return seconds === undefined ? undefined : Math.min(seconds, MAX_RETRY_AFTER_SECONDS);
}
