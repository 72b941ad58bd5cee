// Which group (nested stack) each job's resources live in. A job's group depends on its own name alone (or
// on its "group" field), never on the other jobs: adding, removing or reordering jobs moves no other job, so
// CloudFormation never replaces a job's resources because its neighbours changed (resources that move
// between stacks are deleted and created again, and a created secret's fixed name would collide).
//
// Why a hash into a fixed number of groups, and not the alternatives:
// - groups of N in configuration order: removing a job shifts every later job into another group;
// - one nested stack per job: ~26 resources each is fine, but 100 jobs are 100 stacks to deploy and watch;
// - one shared function for all jobs: one role would read every job's secret and items, which breaks the
//   per-job least privilege the IAM conditions (dynamodb:LeadingKeys, one secret ARN per role) give;
// - fewer resources per job: still grows with every job, only later.
// The price of hashing: groups fill unevenly. MAX_JOBS_PER_GROUP leaves room for that; a group that
// overflows is refused at synth, and `"group"` pins a job elsewhere without moving any other.
import { createHash } from 'node:crypto';

/** Fixed for the life of a deployment: changing it moves most jobs to another group (and replaces them). */
export const JOB_GROUP_COUNT = 32;

/**
 * Jobs one group may hold. A job with rotation and its scheduled audit is 45 CloudFormation resources (47
 * with a customer managed key; the audit's 8 share the sync's dead-letter queue), so 12 of them with the
 * group's health check are 480 of the 500 resources (measured by synthesizing 12 such jobs pinned to one
 * group), and near 660 KB of the 1 MB a nested template may be (npm run bench:synth). Hashed into 32 groups, 100 jobs
 * overflow a group in fewer than 1 in 1,000 sets of names, 150 jobs in about 3 in 100 (then one job is
 * pinned with "group"); 384 is the hard ceiling.
 */
export const MAX_JOBS_PER_GROUP = 12;

/** The group a job's name hashes to: the first 4 bytes of its SHA-256, modulo JOB_GROUP_COUNT. */
export function hashedGroup(jobName: string): number {
  return createHash('sha256').update(jobName, 'utf8').digest().readUInt32BE(0) % JOB_GROUP_COUNT;
}

/** The job's group: `group` when the configuration pins it, otherwise its name's hash. */
export function groupOf(job: { readonly name: string; readonly group?: number | undefined }): number {
  return job.group ?? hashedGroup(job.name);
}

/** The construct id of a group's nested stack, and so its logical id in the parent: `Jobs07`. */
export function groupId(group: number): string {
  return `Jobs${String(group).padStart(2, '0')}`;
}

/** The jobs of each group that has any, in group order; each group's jobs keep their configuration order. */
export function jobsByGroup<T extends { readonly name: string; readonly group?: number | undefined }>(
  jobs: readonly T[],
): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const group of [...new Set(jobs.map(groupOf))].sort((a, b) => a - b)) groups.set(group, []);
  for (const job of jobs) groups.get(groupOf(job))?.push(job);
  return groups;
}

/**
 * The sentence refusing a group over MAX_JOBS_PER_GROUP, naming its jobs and the emptiest groups to pin one
 * to; undefined when every group has room.
 */
export function overfullGroupProblem(
  groups: ReadonlyMap<number, readonly { readonly name: string }[]>,
): string | undefined {
  const over = [...groups].find(([, jobs]) => jobs.length > MAX_JOBS_PER_GROUP);
  if (!over) return undefined;
  const [group, jobs] = over;
  const sizeOf = (candidate: number) => groups.get(candidate)?.length ?? 0;
  const roomiest = Array.from({ length: JOB_GROUP_COUNT }, (_, candidate) => candidate)
    .sort((a, b) => sizeOf(a) - sizeOf(b) || a - b)
    .slice(0, 3)
    .map((candidate) => `${candidate} (${sizeOf(candidate)} jobs)`);
  return `Job group ${groupId(group)} would hold ${jobs.length} jobs (${jobs.map((job) => job.name).join(', ')}), over syncwarden's limit of ${MAX_JOBS_PER_GROUP} jobs per group, which keeps each nested stack under CloudFormation's 500 resources and 1 MB: pin one of them to a group with room with its "group" field, such as ${roomiest.join(', ')} (it alone is replaced), or split the jobs over two deployments.`;
}
