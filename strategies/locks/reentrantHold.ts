/**
 * Lua shared by the reentrant hash locks (Redisson's RLock and fair lock): KEYS[1] is a hash
 * {owner: holds} whose expiry is the lease; ARGV[1] the owner, ARGV[2] the lease in ms.
 * Gives up one hold: returns -1 when the lock is not ours (after running `whenNotOurs`), 0 when
 * we still hold it (lease refreshed); on the last hold it deletes the lock and falls through, so
 * the script can wake the next waiter and return 1.
 */
export function dropOneHold(whenNotOurs = ''): string {
  return `
if redis.call('hexists', KEYS[1], ARGV[1]) == 0 then
  ${whenNotOurs}
  return -1
end
if redis.call('hincrby', KEYS[1], ARGV[1], -1) > 0 then
  redis.call('pexpire', KEYS[1], ARGV[2])
  return 0
end
redis.call('del', KEYS[1])`;
}
