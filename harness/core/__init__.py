"""What every layer may use: errors, registries, config schemas, the task, languages, sentences, files, paths."""
