// A project names the product a defect or run belongs to (mobile, shop…); routes choose connections by it.

/** 1–100 characters of A-Z, a-z, 0-9, ".", "_" and "-". */
export const PROJECT_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;
