# The regenlab runner image: `experiment` with the project's tasks, for Cloud Run Jobs.
#   docker build -t REGION-docker.pkg.dev/PROJECT/regenlab-dev-runner/runner:latest .
# The job runs `experiment cloud task /mnt/runs/experiments/<file>.yaml` on every task; each task
# runs its shard of the trial matrix and writes its run directories to the mounted bucket.
FROM python:3.11-slim-bookworm

# EXTRAS=local builds the embedded model into the image (llama.cpp compiles: ~10 min) so the
# image runs without API keys; EXTRAS="" gives a smaller image for hosted models only.
ARG EXTRAS=local

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Portable llama.cpp: no -march=native, since Cloud Run's CPUs differ from the build machine's.
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"

# git: every agent workspace is a git repository. bubblewrap: the sandbox's strongest backend
# (where the platform refuses its namespaces, the sandbox falls back to `local` and says so).
RUN apt-get update \
    && apt-get install -y --no-install-recommends git bubblewrap build-essential cmake \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . /app
RUN pip install "/app${EXTRAS:+[$EXTRAS]}" \
    && useradd --create-home --uid 10001 regenlab \
    && chown -R regenlab /app

USER regenlab
# No ENTRYPOINT: the job's container args are the whole command line
# (`experiment cloud task …`), and `gcloud run jobs execute --args` replaces them per execution.
CMD ["experiment", "--help"]
