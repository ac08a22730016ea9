"""`sitegen serve`: a development server that rebuilds on change and reloads pages.

`devserver.DevServer` ties together `server` (HTTP), `livereload` (event
streams and the page script) and `watcher` (changes, debounced).
"""
