// Placeholder: filled in by the import/renewal work (issue #5).
export {};
