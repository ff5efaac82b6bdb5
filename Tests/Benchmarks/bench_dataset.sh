# Sourced by the sharding benchmarks: `bench_dataset WORK IMAGES DB` copies IMAGES pictures (the pipeline
# fixtures, cycled) into WORK/images and registers them as dataset `bench` in the database DB.
bench_dataset() {
  local work=$1 images=$2 db=$3 i=0 f
  local src=Tests/InferenceTests/Fixtures/pipeline/images
  mkdir -p "$work/images"
  while [ $i -lt "$images" ]; do
    for f in img0.png img1.png img2.png camera_120x90.png chelsea_75x50.png; do
      [ $i -lt "$images" ] && cp "$src/$f" "$work/images/p$(printf %03d $i).png"; i=$((i + 1))
    done
  done
  "$normlab" dataset add --db "$db" bench "$work/images" > /dev/null 2>&1
}
