"`python -m api`: see `api.serve` (the workers live there, importable by the processes it spawns)."
from api.serve import main

main()
