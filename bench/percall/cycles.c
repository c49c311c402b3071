// cycles DIR N: file_cycles.c's cycle with each call timed on its own (the C side of wasmbox-benchmarks --file-cycles).
// cc -O2 cycles.c -o cycles
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>
#include <sys/stat.h>
static long long now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1000000000LL+t.tv_nsec;}
int main(int argc,char**argv){
  const char*dir=argv[1]; int n=atoi(argv[2]); char path[1024],data[64],back[64]; struct stat st;
  const char*names[]={"open creat|trunc","write","fstat","close","stat","open rdonly","read","close","unlink"};
  long long t[9]={0};
  int dfd=open(dir,O_PATH|O_DIRECTORY);
  for(int r=0;r<2;r++){ memset(t,0,sizeof t);
  for(int i=0;i<n;i++){ snprintf(path,sizeof path,"f%d",i); memset(data,'A'+i%26,64);
    long long s=now(),e; int k=0;
#define LAP e=now(); t[k++]+=e-s; s=e;
    int fd=openat(dfd,path,O_RDWR|O_CREAT|O_TRUNC,0644); LAP
    write(fd,data,64); LAP
    fstat(fd,&st); LAP
    close(fd); LAP
    fstatat(dfd,path,&st,0); LAP
    fd=openat(dfd,path,O_RDONLY); LAP
    read(fd,back,64); LAP
    close(fd); LAP
    unlinkat(dfd,path,0); LAP
  }}
  long long sum=0; for(int k=0;k<9;k++){printf("%8lld ns  %s\n",t[k]/n,names[k]); sum+=t[k]/n;} printf("%8lld ns per cycle\n",sum);
}
