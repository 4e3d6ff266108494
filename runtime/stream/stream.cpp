/* mica_runtime_stream: mica_model_load_file_streamed and the loader each
 * context of such a model owns (mica/stream.h).
 *
 * A context's loader: two page-aligned buffers the size of the largest
 * streamed segment its entry reads, a thread (64 KiB stack), a mutex and a
 * condition variable, all made at mica_context_create; nothing is allocated
 * later. The steps that read a streamed segment ("needs") are consumed in
 * step order, cyclically across runs: the thread fills a free buffer with
 * the next need while the run computes with the other, so block i + 1 is
 * read while block i computes, and the next run's first blocks as a run
 * ends. A buffer that already holds a need's segment is reused without a
 * read (one or two blocks are read once). A segment's hash is checked on
 * its first read under the model (one bit per segment); no kernel runs on
 * bytes that failed it. A failed read or check fails the run at that step;
 * the core then calls reset, which waits out a read in flight and rewinds,
 * so the next run retries; a read the thread made ahead that failed is
 * made again by the run before it fails. Without a thread (pthread_create
 * failed) the run reads each block itself: the same results, no overlap.
 *
 * Buffer states: FREE (holds `segment`'s bytes when segment >= 0),
 * LOADING (assigned to need `need`, being read), READY / FAILED (need
 * `need` read, or not), IN_USE (a step runs on it). Every field of the
 * loader is guarded by its mutex, except a buffer's bytes while LOADING
 * (the thread's) or IN_USE (the run's). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mica/stream.h"
#include "runtime/model/flatbuffer_access.h"
#include "runtime/model/model_internal.h"
#include "runtime/stream/stream_internal.h"

namespace fb = mica::fb;

namespace {

enum BufferState { kFree, kLoading, kReady, kFailed, kInUse };

/* Per model: the file and what the loaders need of each segment. */
struct StreamModel {
  int fd;
  int threadless; /* test seam: loaders read on the run thread */
  uint32_t num_segments;
  uint64_t *offsets, *sizes, *hashes; /* per segment */
  uint8_t *verified; /* per segment, atomic: its hash was checked */
};

struct Need {
  uint32_t step, segment;
};

struct Buffer {
  uint8_t *data;
  int32_t segment; /* whose bytes it holds, -1 when none */
  BufferState state;
  uint64_t need, last_use;
  /* The read that filled it for `need` (bytes 0: reused as it was). */
  mica_stream_event load;
  mica_status status;
  char message[256];
};

struct Loader {
  const StreamModel *model;
  const mica_entry *entry;
  uint32_t num_needs;
  Need *needs;
  uint64_t next_load, next_use, tick; /* need counters, never wrapped */
  Buffer buffers[2];
  uint8_t *memory;
  size_t memory_size;
  pthread_mutex_t mutex;
  pthread_cond_t changed;
  pthread_t thread;
  int has_thread, stop, reading;
};

uint64_t nowNs() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Reads need `n` into `b` and checks its hash unless the model has. */
mica_status readNeed(const Loader *l, Buffer *b, uint64_t n) {
  const Need need = l->needs[n % l->num_needs];
  const StreamModel *m = l->model;
  const uint32_t seg = need.segment;
  const uint64_t offset = m->offsets[seg], size = m->sizes[seg];
  b->load = {MICA_STREAM_LOAD, need.step, (int32_t)seg, 0, size, nowNs(), 0};
  mica_status st = MICA_OK;
  const char *why = nullptr;
  for (uint64_t done = 0; done < size && !why;) {
    const ssize_t got =
        pread(m->fd, b->data + done, size - done, (off_t)(offset + done));
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0) {
      st = MICA_ERROR_SYSTEM;
      why = got ? strerror(errno)
                : "the file ends before it (truncated after load?)";
    }
    done += got > 0 ? (uint64_t)got : 0;
  }
  if (!why && !__atomic_load_n(&m->verified[seg], __ATOMIC_RELAXED)) {
    if (mica_fnv1a64(b->data, size, MICA_FNV_OFFSET_BASIS) != m->hashes[seg]) {
      st = MICA_ERROR_MALFORMED;
      why = "hash mismatch (the file changed after load?)";
    } else {
      __atomic_store_n(&m->verified[seg], 1, __ATOMIC_RELAXED);
      b->load.verified = 1;
    }
  }
  b->load.end_ns = nowNs();
  mica_msg msg = {b->message, sizeof(b->message)};
  if (why)
    mica_failf(&msg, st,
               "entry '%s' step %u (kernel '%s'): streamed segment %u [%u, "
               "+%u): %s",
               l->entry->name, need.step, l->entry->step_symbols[need.step],
               seg, offset, size, why);
  return st;
}

/* The buffer for the next need, or NULL to wait: the one holding its
 * segment once free, else the least recently used free one. */
Buffer *pickBuffer(Loader *l) {
  const int32_t seg = (int32_t)l->needs[l->next_load % l->num_needs].segment;
  Buffer *pick = nullptr;
  for (Buffer &b : l->buffers) {
    if (b.segment == seg)
      return b.state == kFree ? &b : nullptr;
    if (b.state == kFree && (!pick || b.last_use < pick->last_use))
      pick = &b;
  }
  return pick;
}

/* Assigns the next need to a buffer and fills it; false when none is free.
 * Called with the mutex held; with `unlock` it is released while reading. */
bool loadNext(Loader *l, bool unlock) {
  Buffer *b = pickBuffer(l);
  if (!b)
    return false;
  const uint64_t n = l->next_load++;
  b->need = n;
  b->status = MICA_OK;
  b->load.bytes = 0;
  if (b->segment != (int32_t)l->needs[n % l->num_needs].segment) {
    b->segment = -1;
    b->state = kLoading;
    l->reading = 1;
    if (unlock)
      pthread_mutex_unlock(&l->mutex);
    const mica_status st = readNeed(l, b, n);
    if (unlock)
      pthread_mutex_lock(&l->mutex);
    l->reading = 0;
    b->status = st;
    if (st == MICA_OK)
      b->segment = (int32_t)l->needs[n % l->num_needs].segment;
  }
  b->state = b->status == MICA_OK ? kReady : kFailed;
  pthread_cond_broadcast(&l->changed);
  return true;
}

void *loaderThread(void *arg) {
  Loader *l = static_cast<Loader *>(arg);
  pthread_mutex_lock(&l->mutex);
  while (!l->stop)
    if (!loadNext(l, true))
      pthread_cond_wait(&l->changed, &l->mutex);
  pthread_mutex_unlock(&l->mutex);
  return nullptr;
}

void detach(void *state) {
  Loader *l = static_cast<Loader *>(state);
  if (l->has_thread) {
    pthread_mutex_lock(&l->mutex);
    l->stop = 1;
    pthread_cond_broadcast(&l->changed);
    pthread_mutex_unlock(&l->mutex);
    pthread_join(l->thread, nullptr);
  }
  pthread_cond_destroy(&l->changed);
  pthread_mutex_destroy(&l->mutex);
  if (l->memory)
    munmap(l->memory, l->memory_size);
  free(l);
}

mica_status attach(const mica_model *model, const mica_entry *entry,
                   void **out_state, const mica_msg *msg) {
  const StreamModel *m = static_cast<const StreamModel *>(model->stream_model);
  uint32_t needs = 0;
  uint64_t largest = 0;
  for (uint32_t s = 0; s < entry->num_steps; ++s)
    if (entry->step_streamed[s] >= 0) {
      ++needs;
      const uint64_t size = m->sizes[entry->step_streamed[s]];
      largest = size > largest ? size : largest;
    }
  if (!needs)
    return MICA_OK; // this entry streams nothing
  Loader *l =
      static_cast<Loader *>(calloc(1, sizeof(Loader) + needs * sizeof(Need)));
  if (!l)
    return mica_failf(msg, MICA_ERROR_OUT_OF_MEMORY, "out of memory");
  l->model = m;
  l->entry = entry;
  l->needs = reinterpret_cast<Need *>(l + 1);
  for (uint32_t s = 0; s < entry->num_steps; ++s)
    if (entry->step_streamed[s] >= 0)
      l->needs[l->num_needs++] = {s, (uint32_t)entry->step_streamed[s]};
  pthread_mutex_init(&l->mutex, nullptr);
  pthread_cond_init(&l->changed, nullptr);
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  const size_t each = ((size_t)largest + page - 1) / page * page;
  l->memory_size = 2 * (each ? each : page);
  void *memory = mmap(nullptr, l->memory_size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    detach(l);
    return mica_failf(msg, MICA_ERROR_OUT_OF_MEMORY,
                      "entry '%s': out of memory for two %u-byte stream "
                      "buffers",
                      entry->name, each);
  }
  l->memory = static_cast<uint8_t *>(memory);
  for (int i = 0; i < 2; ++i) {
    l->buffers[i].data = l->memory + i * (l->memory_size / 2);
    l->buffers[i].segment = -1;
  }
  if (!m->threadless) {
    // A small stack (it only reads and hashes) and no signals: the
    // program's handlers run on its own threads.
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    long minimum = sysconf(_SC_THREAD_STACK_MIN);
    pthread_attr_setstacksize(&attr, minimum > 65536 ? (size_t)minimum : 65536);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    l->has_thread = pthread_create(&l->thread, &attr, loaderThread, l) == 0;
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    pthread_attr_destroy(&attr);
  }
  *out_state = l;
  return MICA_OK;
}

mica_status acquire(void *state, uint32_t step, uint32_t segment,
                    const mica_hooks *hooks, const void **out_base,
                    const mica_msg *msg) {
  Loader *l = static_cast<Loader *>(state);
  pthread_mutex_lock(&l->mutex);
  const uint64_t n = l->next_use;
  if (!l->has_thread)
    loadNext(l, false); // the previous step released its buffer
  mica_stream_event wait = {
      MICA_STREAM_WAIT, step, (int32_t)segment, 0, 0, 0, 0};
  Buffer *b = nullptr;
  for (;;) {
    for (Buffer &candidate : l->buffers)
      if (candidate.need == n &&
          (candidate.state == kReady || candidate.state == kFailed))
        b = &candidate;
    if (b)
      break;
    if (!wait.begin_ns)
      wait.begin_ns = nowNs();
    pthread_cond_wait(&l->changed, &l->mutex);
  }
  if (b->status != MICA_OK && l->has_thread) {
    // Read again before failing the run: the loader may have read ahead
    // before the file was restored (a failed run's reset rewinds it).
    b->status = readNeed(l, b, n);
    if (b->status == MICA_OK)
      b->segment = (int32_t)segment;
  }
  const mica_stream_event load = b->load;
  const mica_status st = b->status;
  if (st == MICA_OK) {
    b->state = kInUse;
    l->next_use++;
    *out_base = b->data;
  } else if (msg && msg->buf && msg->size) {
    // Copied whole: mica_fail caps a %s argument at 128 characters.
    strncpy(msg->buf, b->message, msg->size - 1);
    msg->buf[msg->size - 1] = '\0';
  }
  pthread_mutex_unlock(&l->mutex);
  if (hooks->on_stream) {
    if (load.bytes && st == MICA_OK)
      hooks->on_stream(hooks->user, &load);
    if (wait.begin_ns) {
      wait.end_ns = nowNs();
      hooks->on_stream(hooks->user, &wait);
    }
  }
  return st;
}

void release(void *state) {
  Loader *l = static_cast<Loader *>(state);
  pthread_mutex_lock(&l->mutex);
  for (Buffer &b : l->buffers)
    if (b.state == kInUse) {
      b.state = kFree;
      b.last_use = ++l->tick;
    }
  pthread_cond_broadcast(&l->changed);
  pthread_mutex_unlock(&l->mutex);
}

void reset(void *state) {
  Loader *l = static_cast<Loader *>(state);
  pthread_mutex_lock(&l->mutex);
  while (l->reading)
    pthread_cond_wait(&l->changed, &l->mutex);
  for (Buffer &b : l->buffers)
    b.state = kFree; // what was read stays usable; failed ones hold none
  l->next_load = l->next_use = 0;
  pthread_cond_broadcast(&l->changed);
  pthread_mutex_unlock(&l->mutex);
}

void modelFree(void *stream_model) {
  StreamModel *m = static_cast<StreamModel *>(stream_model);
  close(m->fd);
  free(m);
}

const mica_stream_ops kOps = {attach,  detach, acquire,
                              release, reset,  modelFree};

/* The per-segment table the loaders read (one allocation). */
StreamModel *makeStreamModel(const mica_model *model, int fd) {
  const uint32_t n = model->num_segments;
  StreamModel *m = static_cast<StreamModel *>(
      calloc(1, sizeof(StreamModel) + n * (3 * sizeof(uint64_t) + 1)));
  if (!m)
    return nullptr;
  m->fd = fd;
  m->num_segments = n;
  m->offsets = reinterpret_cast<uint64_t *>(m + 1);
  m->sizes = m->offsets + n;
  m->hashes = m->sizes + n;
  m->verified = reinterpret_cast<uint8_t *>(m->hashes + n);
  for (uint32_t i = 0; i < n; ++i) {
    const fb::Segment *seg = model->view.meta->segments()->Get(i);
    m->offsets[i] = seg->offset();
    m->sizes[i] = seg->size();
    m->hashes[i] = seg->hash();
  }
  return m;
}

/* Drops the pages of the code segments from the resident prefix: the code
 * loader copied them, and a page fault would read them back from the file
 * (a private, read-only mapping), so this only lowers the resident set. */
void dropCodePages(const mica_model *model) {
  const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  for (uint32_t i = 0; i < model->num_segments; ++i) {
    const fb::Segment *seg = model->view.meta->segments()->Get(i);
    if (seg->kind() != fb::SegmentKind::Code)
      continue;
    const uintptr_t begin = (uintptr_t)model->view.data + seg->offset();
    const uintptr_t first = (begin + page - 1) & ~(page - 1);
    const uintptr_t last = (begin + seg->size()) & ~(page - 1);
    if (last > first)
      madvise((void *)first, last - first, MADV_DONTNEED);
  }
}

uint64_t le64(const uint8_t *p) {
  return (uint64_t)mica_le32(p) | (uint64_t)mica_le32(p + 4) << 32;
}

} // namespace

void mica_stream_set_threadless(mica_model *model, int threadless) {
  if (model && model->stream)
    static_cast<StreamModel *>(model->stream_model)->threadless = threadless;
}

extern "C" mica_status mica_model_load_file_streamed(const char *path,
                                                     mica_model **out_model,
                                                     char *error,
                                                     size_t error_size) {
  mica_msg msg = {error, error_size};
  if (!out_model || !path)
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT,
                      "path or out_model is NULL");
  *out_model = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return mica_failf(&msg, MICA_ERROR_SYSTEM, "cannot open '%s': %s", path,
                      strerror(errno));
  struct stat st;
  uint8_t header[MICA_ARTIFACT_HEADER_SIZE];
  ssize_t got;
  do
    got = pread(fd, header, sizeof(header), 0);
  while (got < 0 && errno == EINTR);
  const uint64_t resident =
      got == (ssize_t)sizeof(header)
          ? le64(header + offsetof(mica_artifact_header, resident_size))
          : 0;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || resident == 0 ||
      resident > (uint64_t)st.st_size) {
    // Nothing streamed (or not an artifact): the whole file, as ever.
    close(fd);
    return mica_model_load_file(path, out_model, error, error_size);
  }
  void *mapping = mmap(NULL, resident, PROT_READ, MAP_PRIVATE, fd, 0);
  if (mapping == MAP_FAILED) {
    close(fd);
    return mica_failf(&msg, MICA_ERROR_SYSTEM, "cannot map '%s' (%u bytes)",
                      path, resident);
  }
  mica_load_request request = {};
  request.mode = MICA_LOAD_CODE;
  request.mapped = resident;
  mica_model *model = NULL;
  mica_status status =
      mica_model_load_with(mapping, (size_t)st.st_size, &request, &model, &msg);
  StreamModel *sm = status == MICA_OK ? makeStreamModel(model, fd) : nullptr;
  if (status == MICA_OK && !sm)
    status = mica_failf(&msg, MICA_ERROR_OUT_OF_MEMORY, "out of memory");
  if (status != MICA_OK) {
    mica_model_free(model);
    munmap(mapping, resident);
    close(fd);
    return status;
  }
  model->mapping = mapping;
  model->mapping_size = resident;
  model->stream = &kOps;
  model->stream_model = sm;
  dropCodePages(model);
  *out_model = model;
  return MICA_OK;
}
