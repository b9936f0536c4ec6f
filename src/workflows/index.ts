// The workflows of campaign-sync; see ARCHITECTURE.md.
export {};
