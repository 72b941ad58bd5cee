// Stands in for the `semver` package in every Lambda bundle (infra/aws/bundling.ts, `alias`). The Powertools
// Tracer bundles aws-xray-sdk-core, whose SDK v2 patcher (patchers/aws_p.js, loaded with the SDK's index)
// requires all of semver to call `semver.gte` once: 20 KB of each bundle for one comparison, which the
// Tracer's v3 capture never even makes. semver's own gte module is the same comparison (resolved through
// package.json's "imports": a `semver/...` path would be aliased back here). test/infra/bundle-shims.test.ts
// fails when a bundled package starts to use anything of semver's but gte.
module.exports = { gte: require('#semver-gte') };
