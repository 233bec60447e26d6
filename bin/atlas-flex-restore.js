#!/usr/bin/env node
// The `atlas-flex-restore` command. The code is compiled to dist by `npm run build`.
import "../dist/src/cli/main.js"
