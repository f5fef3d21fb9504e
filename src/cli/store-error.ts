/**
 * Whether an error from opening a store already says which store it was. SQLite's own words
 * ("file is not a database", "unable to open database file") name no file, and the operator is
 * left to guess between the config, MOONGATE_STORE and the default.
 */
export function mentionsStore(message: string, store: string): boolean {
  const path = store.startsWith('sqlite:') ? store.slice('sqlite:'.length) : store;
  return message.includes(store) || (path !== '' && message.includes(path));
}
