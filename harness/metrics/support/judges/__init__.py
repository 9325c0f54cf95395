"""LLM-as-judge: chat backends, rubric prompts, strict parsing of the judge's answers, and their cache."""
