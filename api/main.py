"artcolor's HTTP service. Filled in by the API issue; until then it says what it will serve."
from fastapi import FastAPI

app = FastAPI(title="artcolor")
