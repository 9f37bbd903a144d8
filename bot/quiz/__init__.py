"""The career quiz, Discord-free: ``engine`` (pure rules, scoring, explanation), ``service`` (engine bound
to storage) and ``cli`` (the same quiz in a terminal)."""
