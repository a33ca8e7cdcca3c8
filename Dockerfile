# The campaignctl sandbox (simulated Extrovert, Puffle and Altur APIs) as a container image.
#
# The build runs no package manager and needs no network: it copies an already built app. Stage the
# build context first, then build from it:
#
#   npm ci                                               # builds dist/
#   node scripts/ci/stage-image-context.mjs /tmp/ctx     # dist, bin, schemas, package*.json,
#                                                        # production node_modules, this Dockerfile
#   docker build -t campaignctl-sandbox /tmp/ctx         # or: podman build --format docker ...
#
# BASE_IMAGE is any image with Node 20 at /usr/local/bin/node (or on PATH) and a user with uid 1000.
# Where no registry can be reached, scripts/ci/build-base-image.sh makes one from the machine's own
# Node binary: --build-arg BASE_IMAGE=localhost/campaignctl-node-base:20.
#
# Run it with host networking (the sandbox binds 127.0.0.1 by default, the safe choice when the
# container shares the host's network):
#   docker run --rm --network host campaignctl-sandbox [--port 4010] [--api-key KEY]
# or publish the ports and listen on all of the container's interfaces:
#   docker run --rm -p 127.0.0.1:4010-4012:4010-4012 campaignctl-sandbox --host 0.0.0.0
# Keep state across restarts with a volume: -v campaignctl-sandbox:/data ... --data /data/state.json
ARG BASE_IMAGE=node:24-slim
FROM ${BASE_IMAGE}

ENV NODE_ENV=production
WORKDIR /app

# Root-owned and read-only for the user the sandbox runs as.
COPY package.json package-lock.json ./
COPY node_modules ./node_modules
COPY schemas ./schemas
COPY bin ./bin
COPY dist ./dist
# A writable place for --data FILE (mount a volume over it to keep state).
COPY --chown=1000:1000 data/ /data/

# uid/gid 1000 is the `node` user of the official Node images (and of the local base image).
# Numeric, so that runtimes can check it is not root (Kubernetes runAsNonRoot).
USER 1000:1000

EXPOSE 4010 4011 4012

# No curl in the image: node asks the Extrovert listener's control endpoint GET /__sandbox/faults (small,
# no side effects, not logged). Port and host are read from the running sandbox's own command line, so
# --port/--host overrides are followed.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "const fs=require('fs');let a=[];for(const d of fs.readdirSync('/proc')){if(!Number.isInteger(+d)||d===String(process.pid))continue;let c=[];try{c=fs.readFileSync('/proc/'+d+'/cmdline','utf8').split('\\0')}catch{}if(c.includes('sandbox')&&c.some(x=>x.endsWith('campaignctl.js'))){a=c;break}}const opt=(k,dflt)=>{let v=dflt;a.forEach((x,i)=>{if(x===k&&i+1<a.length)v=a[i+1];else if(x.startsWith(k+'='))v=x.slice(k.length+1)});return v};let host=opt('--host','127.0.0.1');if(host==='0.0.0.0'||host==='::')host='127.0.0.1';const req=require('http').get({host,port:Number(opt('--port','4010')),path:'/__sandbox/faults',timeout:2500},r=>{r.resume();process.exit(r.statusCode===200?0:1)});req.on('timeout',()=>req.destroy());req.on('error',()=>process.exit(1))"]

ENTRYPOINT ["node", "/app/bin/campaignctl.js", "sandbox", "--host", "127.0.0.1"]
CMD []
