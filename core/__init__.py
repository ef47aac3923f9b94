"""Small pure helpers every layer may use (clock and time zone, text folding and checks); imports nothing of ours."""
