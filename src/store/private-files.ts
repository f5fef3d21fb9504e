/**
 * The store's files hold every prompt and answer logged (the database and its WAL, the spool, the
 * charges waiting to be written): what Moongate creates for them is its owner's alone. Modes only
 * apply when a file or folder is created; existing ones keep the mode their owner gave them.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
