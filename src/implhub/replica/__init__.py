"""Replica environment: customer-shaped synthetic git repositories, served over smart HTTP.

shape   - corpus specification and per-repository sizes (heavy-tailed, fitted to count/total/largest)
content - source-like file contents per language
stream  - one repository as one `git fast-import` stream
gitops  - the git adapter (init, fast-import, repack, size, fsck)
corpus  - writing a whole corpus: resumable, parallel, disk-space checked
server  - `git http-backend` behind a small HTTP server
"""
