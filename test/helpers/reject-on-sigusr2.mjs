// Loaded with `node --import` into a gateway under test: SIGUSR2 makes a promise reject with
// nothing to handle it, as a bug in the gateway or a library would.
process.on('SIGUSR2', () => {
  void Promise.reject(new Error('a simulated bug (SIGUSR2)'));
});
