// One Zoom Phone call-history item: the user and a contact, either side calling, answered or not.

import { uuidLike, type Kit, type Person } from './contentKit.js';
import { DIGITS, type Rng } from './random.js';
import type { CallLogJson } from './zoomJson.js';
import { SECOND_MS, isoDate, zoomIso } from './zoomTime.js';

interface CallParty {
  name: string;
  phone: string;
  /** Only a party on Zoom Phone has an extension and an email in the log. */
  extension: string | null;
  email: string | null;
  numberType: 'zoom_pstn' | 'external_pstn';
}

function party(p: Person, onZoom: boolean): CallParty {
  return {
    name: p.name,
    phone: p.phone,
    extension: onZoom ? p.extension : null,
    email: onZoom && p.email ? p.email : null,
    numberType: onZoom ? 'zoom_pstn' : 'external_pstn',
  };
}

export function callLog(kit: Kit, rng: Rng, startMs: number): CallLogJson {
  const { host } = kit;
  const other = rng.pick(kit.contacts);
  const internal = other.internal && rng.chance(0.6);
  const direction: CallLogJson['direction'] = rng.chance(0.55) ? 'inbound' : 'outbound';
  const roll = rng.next();
  const result: CallLogJson['result'] = roll < 0.7 ? 'answered' : roll < 0.82 ? 'no_answer' : roll < 0.92 && direction === 'inbound' ? 'voicemail' : 'hang_up';
  const waitSeconds = rng.int(3, 25);
  const talkSeconds = result === 'answered' ? rng.int(30, 1800) : 0;
  const tailSeconds = result === 'voicemail' ? rng.int(20, 90) : 0;
  const endMs = startMs + (waitSeconds + talkSeconds + tailSeconds) * SECOND_MS;
  const inbound = direction === 'inbound';
  const caller = inbound ? party(other, internal) : party(host, true);
  const callee = inbound ? party(host, true) : party(other, internal);
  const recorded = result === 'answered' && rng.chance(0.15);
  const day = isoDate(startMs).replaceAll('-', '');
  return {
    id: `${day}-${uuidLike(rng)}`,
    call_path_id: `${day}-${uuidLike(rng)}`,
    call_id: `7${rng.chars(DIGITS, 18)}`,
    connect_type: internal ? 'internal' : 'external',
    call_type: 'general',
    direction,
    hide_caller_id: false,
    end_to_end: false,
    caller_name: caller.name,
    caller_did_number: caller.phone,
    ...(caller.extension ? { caller_ext_number: caller.extension, caller_ext_type: 'user' } : {}),
    ...(caller.email ? { caller_email: caller.email } : {}),
    caller_number_type: caller.numberType,
    callee_name: callee.name,
    callee_did_number: callee.phone,
    ...(callee.extension ? { callee_ext_number: callee.extension, callee_ext_type: 'user' } : {}),
    ...(callee.email ? { callee_email: callee.email } : {}),
    callee_number_type: callee.numberType,
    start_time: zoomIso(startMs),
    ...(result === 'answered' ? { answer_time: zoomIso(startMs + waitSeconds * SECOND_MS) } : {}),
    end_time: zoomIso(endMs),
    event: inbound ? 'incoming' : 'outgoing',
    result,
    talk_time: talkSeconds,
    hold_time: result === 'answered' && rng.chance(0.2) ? rng.int(5, 120) : 0,
    wait_time: waitSeconds,
    ...(recorded ? { recording_id: rng.hex(32), recording_type: rng.chance(0.7) ? 'automatic' : 'ad-hoc' } : {}),
  };
}
