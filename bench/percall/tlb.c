// tlb N STRIDE: 200,000 write(2)s of 64 B to /dev/null, touching N pages STRIDE bytes apart between two writes: what a
// syscall costs the user code that runs after it on this VM (no PCID, PTI). cc -O2 tlb.c -o tlb
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include <time.h>
#include <sys/mman.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e9+t.tv_nsec;}
int main(int argc,char**argv){
  int K=atoi(argv[1]); long stride=atol(argv[2]); int n=200000; int fd=open("/dev/null",O_WRONLY);
  volatile char* p[256];
  for(int k=0;k<K;k++){ p[k]=mmap((void*)(0x100000000000L+k*stride),4096,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE,-1,0); if(p[k]==MAP_FAILED){perror("mmap");return 1;} p[k][0]=1;}
  char buf[64]={0}; long sum=0;
  for(int r=0;r<3;r++){
  double t0=now();
  for(int i=0;i<n;i++){ write(fd,buf,64); for(int k=0;k<K;k++) sum+=p[k][0]; }
  double t1=now();
  printf("K=%d stride=%ld per-iter %.0f ns\n",K,stride,(t1-t0)/n);}
  return sum==12345;
}
