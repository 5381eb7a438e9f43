export interface Component {
  /** What it is, for messages. */
  what: string;
  /** The Debian packages that provide it. */
  packages: string[];
  /** Why it is not usable here, or null when it is. */
  missing(): string | null;
}

export interface MissingComponent {
  name: string;
  reason: string;
  packages: string[];
}

export const COMPONENTS: Record<string, Component>;
export function onPath(command: string): boolean;
export function postgresBinDir(): string | null;
export function missingLibraries(program: string): string[];
export function missingComponents(names?: string[]): MissingComponent[];
export function installCommand(missing: MissingComponent[]): string;
