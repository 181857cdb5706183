/**
 * What this process is doing now, in a few words ("bringing up topology routed on netns",
 * "cell no-helper.nft PASV STOR, 5 of 8"): an interrupted run says what it interrupted.
 */
let current = 'checking the input';

export function nowDoing(what: string): void {
  current = what;
}

export function currentActivity(): string {
  return current;
}
