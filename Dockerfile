# artcolor's API: the bundled model behind FastAPI. Build: docker build -t artcolor .
# Run: docker run -p 8000:8000 artcolor      (`python -m api`, the command of `make serve`, on $HOST:$PORT = 0.0.0.0:8000)
# Two stages: the first installs the dependencies at their tested versions into a virtual environment and
# trims what serving never runs (test suites, Cython sources, type stubs); the second copies only that. (Debug symbols stay:
# `strip` breaks the wheels' vendored libraries, which auditwheel's patchelf has rewritten.)

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/artcolor
ENV PATH=/opt/artcolor/bin:$PATH
WORKDIR /src
# 1. the dependencies alone, at the tested versions: a change to the code does not reinstall them
COPY settings.ini constraints.txt ./
RUN python -c "import configparser; c = configparser.ConfigParser(delimiters=['=']); c.read('settings.ini'); \
print('\n'.join(c['DEFAULT']['requirements'].split()))" > requirements.txt \
    && pip install -c constraints.txt -r requirements.txt \
    && site=$(python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])") \
    && find "$site" -depth -type d -name tests -exec rm -rf {} + \
    && find "$site" \( -name '*.pyx' -o -name '*.pxd' -o -name '*.pyi' \) -delete
# 2. the package (base install: no browser, no plotting, no notebook tools; artcolor.testing is left out), then no pip
COPY setup.py README.md ./
COPY artcolor/ artcolor/
RUN pip install -q --no-deps . && pip uninstall -y -q pip setuptools

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/artcolor/bin:$PATH \
    HOST=0.0.0.0 PORT=8000 ARTCOLOR_MODEL=/app/models/artcolor.joblib
# libgomp for scikit-learn's compiled parts
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/artcolor /opt/artcolor
WORKDIR /app
COPY api/ api/
COPY models/ models/
# check at build time that cv2 imports and the bundled model matches its card
RUN python -c "import cv2; from artcolor.predict import Predictor; print(cv2.__version__, Predictor.load())"
RUN useradd --no-create-home --uid 10001 artcolor
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request as u; sys.exit(0 if u.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8000')}/health\", timeout=4).status == 200 else 1)"]
# one worker per core the container may use (its CPU quota included); WORKERS=N or WEB_CONCURRENCY=N to choose
CMD ["python", "-m", "api"]
