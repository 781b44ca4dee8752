"""Where the scanner's objects come from: files, stdin, and what helm and kustomize render.

``documents`` turns text into objects that remember their file, document
index and line; ``discover`` decides what each path on the command line is
(a manifest, a Dockerfile, a kustomization, a Helm chart); ``render`` runs the
real renderers and traces each rendered object back to the file that wrote it.
Nothing here judges anything: the scanner hands the objects to the engine.
"""
