export const SPEC_FILE: string;
export const RIVET_TYPES: Record<string, string[]>;
export function rivetSchemas(): { $comment: string; rivetVersion: string; definitions: Record<string, object> };
export function specText(): string;
