import unhomoglyph from "unhomoglyph";

/**
 * One person, one spelling. An e-mail address typed at a sign-in form can arrive padded, upper-cased, in
 * full-width or compatibility characters, or with letters from another script drawn like Latin ones; every
 * guard that counts attempts must count them all as the same person's.
 */

/** The address as accounts are stored and looked up: trimmed, compatibility-normalised, case-folded. */
export function normaliseEmail(email: string): string {
  // Upper- then lower-casing folds what lower-casing alone keeps apart (ß and ss, ſ and s).
  return email.trim().normalize("NFKC").toUpperCase().toLowerCase().normalize("NFKC");
}

/**
 * What the address looks like to a reader (the Unicode confusable skeleton of UTS #39 over the normalised
 * address): `аdmin@` with a Cyrillic "а", `ADMIN@` and ` admin@` all have the skeleton of `admin@`. Not
 * for display, only for comparing.
 */
export function identitySkeleton(email: string): string {
  // Invisible characters (zero-width spaces, joiners, variation selectors) change the key, not the look.
  const visible = normaliseEmail(email).replace(/\p{Default_Ignorable_Code_Point}/gu, "");
  return unhomoglyph(visible.normalize("NFD")).normalize("NFD");
}
