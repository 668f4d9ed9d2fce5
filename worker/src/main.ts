/** The mirroring worker's entry point (the pipeline lands with the worker). */
console.log(JSON.stringify({ level: 'INFO', message: 'lagpilot worker: not implemented yet' }));
