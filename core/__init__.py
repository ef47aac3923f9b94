"""Small pure helpers every layer may use (text folding and checks); imports nothing of the project."""
