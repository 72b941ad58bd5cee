// Placeholder until the AWS infrastructure issue lands `infra/app.ts`.
console.error(
  'npm run synth: not yet. The CDK app (infra/app.ts) arrives with the AWS infrastructure issue.',
);
process.exit(1);
