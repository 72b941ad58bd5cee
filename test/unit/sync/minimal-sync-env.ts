// The smallest environment the sync's cold-start loader accepts: each test adds or removes what it is about.
export const MINIMAL_SYNC_ENV = Object.freeze({
  SYNC_JOB_NAME: 'orders',
  CONTROL_TABLE_NAME: 'control',
  RECORDS_TABLE_NAME: 'records',
  ENDPOINT_BASE_URL: 'https://tw.example.com',
  ENDPOINT_THING: 'SensorStream',
  APP_KEY_SECRET_ID: 'syncwarden/orders/app-key',
});
